// A Baton client made only from the served OpenAPI document: the types come from openapi-typescript (generate.mjs), the
// calls from openapi-fetch. It compiles (tsc, strict) only if the document describes what it sends and reads — the
// package upload's form field, the submission body, the job's fields, the problem details of an error — and it runs
// against a real server: node out/client.js BASE_URL API_KEY PACKAGE_ZIP. It prints what it saw as one JSON line.
import fs from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type JobDto = components["schemas"]["JobDto"];
type UploadForm = paths["/api/v1/packages"]["post"]["requestBody"]["content"]["multipart/form-data"];

const [baseUrl, apiKey, packageZip] = process.argv.slice(2);
if (!baseUrl || !apiKey || !packageZip) throw new Error("usage: node out/client.js BASE_URL API_KEY PACKAGE_ZIP");

const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });

function failed(what: string, response: Response, error: unknown): never {
  throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(error)}`);
}

// The package, as a multipart form with the zip in the documented field.
const form: UploadForm = { file: new Blob([fs.readFileSync(packageZip)], { type: "application/zip" }) };
const upload = await client.POST("/api/v1/packages", {
  body: form,
  bodySerializer: () => {
    const data = new FormData();
    data.append("file", form.file, "package.zip");
    return data;
  },
});
if (!upload.data) failed("upload the package", upload.response, upload.error);

const submitted = await client.POST("/api/v1/jobs", {
  body: { package: upload.data.package.name, inputs: { name: "generated client" }, priority: 3 },
});
if (!submitted.data) failed("submit a job", submitted.response, submitted.error);
const job: JobDto = submitted.data;

const fetched = await client.GET("/api/v1/jobs/{jobId}", { params: { path: { jobId: job.id } } });
if (!fetched.data) failed("read the job", fetched.response, fetched.error);

const listed = await client.GET("/api/v1/jobs", { params: { query: { package: job.package, limit: 10 } } });
if (!listed.data) failed("list jobs", listed.response, listed.error);

// An error comes back as the documented problem details.
const missing = await client.GET("/api/v1/jobs/{jobId}", { params: { path: { jobId: "job_does_not_exist" } } });
const problem = missing.error;

console.log(JSON.stringify({
  uploadStatus: upload.response.status,
  packageName: upload.data.package.name,
  packageVersion: upload.data.package.version,
  submitStatus: submitted.response.status,
  jobId: job.id,
  submittedState: job.state,
  submittedPriority: job.priority,
  fetchedId: fetched.data.id,
  fetchedPackage: fetched.data.package,
  fetchedInputs: fetched.data.inputs,
  listedIds: listed.data.items.map((item) => item.id),
  missingStatus: missing.response.status,
  missingType: problem?.type ?? null,
  missingDetail: problem?.detail ?? null,
}));
