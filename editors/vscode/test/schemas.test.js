// node --test editors/vscode/test: the `yaml.schemas` mapping the extension writes.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const path = require("path");
const { yamlSchemas } = require("../schemas.js");

const ws = path.resolve("/ws");

test("maps each schema to the project's files, relative to the workspace", () => {
  const got = yamlSchemas(
    { "risk_register.schema.json": ["org/risk-register.yaml"], "impact_assessment.schema.json": ["systems/b/ia.yaml", "systems/a/ia.yaml"] },
    ws,
    path.join(ws, "examples", "iso"),
    path.join(ws, "examples", "iso", ".aims", "schemas")
  );
  assert.deepStrictEqual(got, {
    "./examples/iso/.aims/schemas/impact_assessment.schema.json": [
      "examples/iso/systems/a/ia.yaml",
      "examples/iso/systems/b/ia.yaml",
    ],
    "./examples/iso/.aims/schemas/risk_register.schema.json": ["examples/iso/org/risk-register.yaml"],
  });
});

test("keeps other schemas and replaces earlier aims mappings", () => {
  const existing = {
    "https://json.schemastore.org/github-workflow.json": ".github/workflows/*.yml",
    "./.aims/schemas/soa.schema.json": ["org/old-soa.yaml"],
  };
  const got = yamlSchemas({ "soa.schema.json": ["org/soa.yaml"] }, ws, ws, path.join(ws, ".aims", "schemas"), existing);
  assert.deepStrictEqual(got, {
    "https://json.schemastore.org/github-workflow.json": ".github/workflows/*.yml",
    "./.aims/schemas/soa.schema.json": ["org/soa.yaml"],
  });
});
