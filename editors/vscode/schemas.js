// The YAML extension's `yaml.schemas` setting from what `aims schema export --output DIR` wrote
// (DIR/associations.json: schema file -> the project's fact files of that kind). No `vscode`
// import, so `node --test` checks it without an editor (test/schemas.test.js).
"use strict";

const path = require("path");

/** Forward slashes: the YAML extension takes globs, which use `/` on every platform. */
function slashes(p) {
  return p.split(path.sep).join("/");
}

/**
 * @param {Record<string, string[]>} associations  schema file name -> patterns relative to the project
 * @param {string} workspace  the workspace folder (absolute)
 * @param {string} project  the project folder (absolute)
 * @param {string} schemaDir  the folder the schemas were written to (absolute)
 * @param {Record<string, string | string[]>} [existing]  the current `yaml.schemas`
 * @returns {Record<string, string | string[]>} `existing` with every aims schema (re)mapped
 */
function yamlSchemas(associations, workspace, project, schemaDir, existing = {}) {
  const out = {};
  const ours = slashes(path.relative(workspace, schemaDir));
  // mappings of other schemas stay; earlier mappings of aims schemas in this folder are replaced
  for (const [schema, files] of Object.entries(existing)) {
    if (!slashes(schema).replace(/^\.\//, "").startsWith(`${ours}/`)) {
      out[schema] = files;
    }
  }
  const prefix = slashes(path.relative(workspace, project));
  for (const [schema, patterns] of Object.entries(associations).sort()) {
    const key = `./${ours}/${schema}`;
    out[key] = patterns.map((p) => (prefix === "" ? p : `${prefix}/${p}`)).sort();
  }
  return out;
}

module.exports = { yamlSchemas };
