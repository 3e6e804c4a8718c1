import { existsSync, readFileSync } from "node:fs";
import { type AgentDeclaration, AgentsFileSchema } from "../../contract";

/** The built-in agents that always exist unless the file redefines the name. */
export const BUILTIN_DECLARATIONS: AgentDeclaration[] = [
  { name: "assistant", kind: "builtin", stream: false },
  { name: "researcher", kind: "builtin", stream: false },
  { name: "analyst", kind: "builtin", stream: false },
  { name: "streamer", kind: "builtin", stream: true },
];

/**
 * Reads the agents file (PROTOCOL.md "Agents"): a file that does not parse, an unknown kind, a missing
 * or wrong field, a duplicate name or an unset `${ENV}` in a header stops the start with one line naming
 * the entry and the field. A default path that does not exist means built-in agents only.
 */
export function loadAgentsFile(path: string, explicit: boolean, env: Record<string, string | undefined> = process.env): AgentDeclaration[] {
  if (!existsSync(path)) {
    if (explicit) throw new Error(`AGENTS_FILE ${path}: no such file`);
    return [];
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`AGENTS_FILE ${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = AgentsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [index, ...field] = issue.path;
    const entry = Array.isArray(raw) && typeof index === "number" ? entryName(raw[index], index) : "the file";
    const where = field.length ? ` field ${field.join(".")}` : "";
    throw new Error(`AGENTS_FILE ${path}: ${entry}${where}: ${issue.message}`);
  }
  const seen = new Set<string>();
  return parsed.data.map((decl, i) => {
    if (seen.has(decl.name)) throw new Error(`AGENTS_FILE ${path}: entry ${i} ("${decl.name}"): duplicate name`);
    seen.add(decl.name);
    if (decl.kind !== "ag-ui") return decl;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(decl.headers))
      headers[key] = substitute(value, env, `entry ${i} ("${decl.name}") field headers.${key}`, path);
    return { ...decl, headers };
  });
}

function entryName(entry: unknown, index: number): string {
  const name = typeof entry === "object" && entry !== null && "name" in entry ? entry.name : undefined;
  return typeof name === "string" ? `entry ${index} ("${name.slice(0, 64)}")` : `entry ${index}`;
}

/** `${NAME}` from the environment; the value itself is never part of an error. */
function substitute(value: string, env: Record<string, string | undefined>, where: string, path: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`AGENTS_FILE ${path}: ${where}: environment variable ${name} is not set`);
    return v;
  });
}

/** The declarations in force: the file's, with the built-ins it does not redefine after them. */
export function declaredAgents(fromFile: AgentDeclaration[]): AgentDeclaration[] {
  const named = new Set(fromFile.map((d) => d.name));
  return [...fromFile, ...BUILTIN_DECLARATIONS.filter((d) => !named.has(d.name))];
}
