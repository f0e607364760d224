// jco's glue registers every resource object it hands to JS with a
// FinalizationRegistry whose callback, when the object is garbage collected,
// drops the handle and calls the guest's destructor. That would run guest
// code at a moment only the garbage collector decides: between calls, on a
// freshly rewound instance (whose next call would see the change), or on
// handle numbers a rewind has given to newer resources; and an exception in
// it would end the host process. Both glue variants get registries that do
// nothing: a resource JS lets go of is freed by the next rewind, or, under
// the 'never' policy, lives as long as the instance (as a handle the guest
// never dropped would on a fresh instance). Dropping explicitly is a call of
// its own: `iface#[drop]resource` (src/reactor/exports.ts).
const CREATE = 'return new FinalizationRegistry(unregister);';
const INERT = 'return { register () {}, unregister () {} };';

export function silenceFinalizers(source: string): string {
  return source.split(CREATE).join(INERT);
}
