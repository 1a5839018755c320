// Renders railway.ts offline the way `railway config plan` evaluates it (railwayapp/cli
// src/iac/eval.rs): the SDK's own context, the default export called with it and a project
// factory, the result printed as JSON. No token, no network: nothing here talks to Railway.
// Run with the locked tsx (a dependency of the SDK): `node_modules/.bin/tsx render.mjs railway.ts`.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { createRailwayContext, project } from "railway/iac";

const file = resolve(process.argv[2] ?? "railway.ts");
const environment = process.argv[3] ?? "production";
const ctx = createRailwayContext({ command: "plan", environment, environmentName: environment });
const mod = await import(pathToFileURL(file).href);
const program = mod.default;
const definition = typeof program === "function" ? await program(ctx, project) : program;
process.stdout.write(`${JSON.stringify(definition, null, 2)}\n`);
