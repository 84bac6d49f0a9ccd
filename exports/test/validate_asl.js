// Validates Amazon States Language files with the asl-validator npm package (pinned in
// package.json). Usage: node validate_asl.js FILE.asl.json...
// Prints one line per file; exits 1 when any file is invalid. Run by tests/export_validate.rs.
"use strict";
const fs = require("fs");
const validator = require("asl-validator");

let failed = 0;
for (const file of process.argv.slice(2)) {
  let definition;
  try {
    definition = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`${file}: not JSON: ${e.message}`);
    failed += 1;
    continue;
  }
  const { isValid, errors } = validator(definition, { checkPaths: true, checkArn: true });
  if (isValid) {
    console.log(`${file}: valid`);
  } else {
    failed += 1;
    console.log(`${file}: INVALID`);
    for (const e of errors) {
      console.log(`  ${e["Error code"] || ""} ${e.Message || JSON.stringify(e)}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
