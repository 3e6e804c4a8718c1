import OpenAI from "openai";
import type { AgentDeclaration } from "../../../contract";

/** An OpenAI-compatible agent's declaration. */
export type OpenAiDeclaration = Extract<AgentDeclaration, { kind: "openai" }>;

/** The key sent when `api_key_env` names an unset variable: local servers need none, the SDK needs one. */
export const PLACEHOLDER_API_KEY = "switchyard-no-api-key";

/** The key in `process.env[api_key_env]`, or null when the variable is unset or empty. */
export function apiKeyOf(decl: OpenAiDeclaration, env: NodeJS.ProcessEnv = process.env): string | null {
  const value = env[decl.api_key_env];
  return value ? value : null;
}

/**
 * The SDK client of one declaration. Its own retries are off: it would also retry 408/409/429/5xx
 * answers, where the contract retries connection errors only, before the first event, at most
 * MAX_CONNECT_RETRIES times within timeout_ms (model-turn.ts does). Its logging is off (its debug
 * lines carry bodies), and no organization or project header comes from the environment.
 */
export function createClient(decl: OpenAiDeclaration, apiKey: string): OpenAI {
  return new OpenAI({
    baseURL: decl.base_url,
    apiKey,
    organization: null,
    project: null,
    // The idle watchdog (timeout_ms without an event) decides first; this is the SDK's backstop.
    timeout: decl.timeout_ms + 1000,
    maxRetries: 0,
    logLevel: "off",
  });
}
