// TypeScript types for the Baton API from the OpenAPI document a server serves: node generate.mjs URL OUT.d.ts
// openapi-typescript's Node API rather than its CLI, so binary fields become Blob (what fetch and FormData send).
import fs from "node:fs";
import ts from "typescript";
import openapiTS, { astToString } from "openapi-typescript";

const [source, target] = process.argv.slice(2);
if (!source || !target) throw new Error("usage: node generate.mjs OPENAPI_URL OUT.d.ts");
const blob = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const ast = await openapiTS(new URL(source), {
  transform(schema) {
    if (schema.format === "binary") return blob;
    return undefined;
  },
});
fs.writeFileSync(target, astToString(ast));
