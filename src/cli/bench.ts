export async function benchCommand(_f: unknown): Promise<number> { return 0; }
