// Vite's asset imports: `import url from "file?url"` gives the URL of the file as built.
declare module "*?url" {
  const url: string;
  export default url;
}
declare module "*.css";
