// stdin is handed to the guest as bytes: a run is synchronous wasm, so a
// stream given as stdin is read to its end before the run starts.
export async function readStdin(stdin: string | Uint8Array | AsyncIterable<Uint8Array | string> | undefined): Promise<Uint8Array> {
  if (stdin === undefined) return new Uint8Array();
  if (typeof stdin === 'string') return Buffer.from(stdin);
  if (stdin instanceof Uint8Array) return stdin;
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
