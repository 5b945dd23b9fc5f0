/** The JSON Schema of samkit.config.json, from the option table (scripts/write-config-schema.ts writes the file). */
import { configKey, settings, type RunOption } from "./run-option-table.js";

export type JsonSchema = Record<string, unknown>;

function property(option: RunOption): JsonSchema {
  if (option.kind === "switch") return { type: "boolean" };
  const { description, ...value } = option.schema ?? {};
  const accepted: JsonSchema = option.choices === undefined ? value : { ...value, enum: option.choices };
  const described = description === undefined ? {} : { description };
  return option.kind === "negatable" ? { ...described, oneOf: [accepted, { const: false }] } : { ...described, ...accepted };
}

export function configSchema(): JsonSchema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://samkit.dev/samkit.config.schema.json",
    title: "samkit.config.json",
    description: "Settings of `samctl run`. Flags beat SAMKIT_* environment variables, which beat this file, which beats the defaults.",
    type: "object",
    additionalProperties: false,
    properties: { $schema: { type: "string" }, ...Object.fromEntries(settings().map((option) => [configKey(option), property(option)])) },
  };
}

/** The text of samkit.config.schema.json. */
export function configSchemaText(): string {
  return `${JSON.stringify(configSchema(), null, 2)}\n`;
}
