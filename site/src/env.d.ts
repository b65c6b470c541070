/** Astro components seen from `tsc -p site`, which cannot read .astro files (`astro check` types them with their real props). */
declare module '*.astro' {
  const Component: (props: Record<string, unknown>) => unknown;
  export default Component;
}
