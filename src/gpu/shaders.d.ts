// Shader sources are imported as text (Vite's ?raw), in the page, in vitest and in the library build alike.
declare module '*.wgsl?raw' {
  const code: string;
  export default code;
}
