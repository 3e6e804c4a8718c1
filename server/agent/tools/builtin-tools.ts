import { z } from "zod";
import type { BuiltinToolName } from "../../../contract";
import { calculate } from "./calculator";
import { searchKnowledge } from "./knowledge-search";

/** What a tool run gives: the result, or why it failed (a message safe to show). */
export interface ToolOutcome {
  success: boolean;
  results: Record<string, unknown>;
}

/** A tool that runs inside Switchyard: its JSON schema (as a model sees it), its argument check and its run. */
export interface BuiltinTool {
  name: BuiltinToolName;
  description: string;
  /** JSON Schema of the arguments (PROTOCOL.md: `calculator {expression}`, `knowledge_search {query, limit?}`). */
  parameters: Record<string, unknown>;
  run(args: unknown): ToolOutcome;
}

/** The arguments' JSON Schema, without the `$schema` marker function-calling APIs do not want. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _marker, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

function tool<S extends z.ZodType>(
  name: BuiltinToolName,
  description: string,
  schema: S,
  run: (args: z.output<S>) => Record<string, unknown>,
): BuiltinTool {
  return {
    name,
    description,
    parameters: jsonSchemaOf(schema),
    run(args) {
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          success: false,
          results: { error: `invalid arguments: ${issue ? `${issue.path.join(".") || "arguments"} ${issue.message}` : "invalid"}` },
        };
      }
      try {
        return { success: true, results: run(parsed.data) };
      } catch (err) {
        return { success: false, results: { error: (err as Error).message } };
      }
    },
  };
}

/** The built-in tools, by name. */
export const BUILTIN_TOOL_MAP: Record<BuiltinToolName, BuiltinTool> = {
  calculator: tool(
    "calculator",
    "Evaluates an arithmetic expression (+ - * / % ^ and parentheses) exactly and safely.",
    z.object({ expression: z.string().min(1) }),
    (a) => ({ value: calculate(a.expression) }),
  ),
  knowledge_search: tool(
    "knowledge_search",
    "Searches Switchyard's bundled knowledge base by keywords and returns the best matching passages.",
    z.object({ query: z.string().min(1).max(500), limit: z.number().int().min(1).max(10).optional() }),
    (a) => ({ hits: searchKnowledge(a.query, a.limit ?? 3) }),
  ),
};
