// Lets the root type-check (which covers test/) import .vue files; vue-tsc checks them for real.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<Record<string, unknown>, Record<string, unknown>, unknown>;
  export default component;
}
