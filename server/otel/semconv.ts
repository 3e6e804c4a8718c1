/**
 * The attribute names Switchyard's spans carry: OpenTelemetry semantic conventions v1.45.0
 * (@opentelemetry/semantic-conventions 1.45.0), GenAI agent and framework spans, Development status.
 * The GenAI names are in the package's `incubating` entry point, which its README asks users to copy
 * rather than import (they may change between minor versions); copied here, spelled exactly as there.
 * `switchyard.*` names are Switchyard's own (docs/observability.md).
 */
export const SEMCONV_VERSION = "1.45.0";

export const GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const GEN_AI_AGENT_NAME = "gen_ai.agent.name";
export const GEN_AI_AGENT_VERSION = "gen_ai.agent.version";
export const GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";
export const GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
export const GEN_AI_TOOL_TYPE = "gen_ai.tool.type";
/** Content attributes: set only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true. */
export const GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
export const GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";
export const GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result";

export const OPERATION_INVOKE_AGENT = "invoke_agent";
export const OPERATION_EXECUTE_TOOL = "execute_tool";
export const OPERATION_CHAT = "chat";
/** OpenAI-compatible agents speak the OpenAI chat completions API, whoever serves it. */
export const PROVIDER_OPENAI = "openai";

export const ERROR_TYPE = "error.type";
export const USER_ID = "user.id";
export const SESSION_ID = "session.id";
export const SERVICE_NAME = "service.name";
export const SERVICE_VERSION = "service.version";
export const SERVICE_INSTANCE_ID = "service.instance.id";

export const SY_VERDICT = "switchyard.verdict";
export const SY_VERDICT_REASONS = "switchyard.verdict.reasons";
export const SY_RUN_STATUS = "switchyard.run.status";
export const SY_AGENT_KIND = "switchyard.agent.kind";
export const SY_MESSAGE_TYPE = "switchyard.message.type";
export const SY_HANDLER = "switchyard.handler";
export const SY_EVENT_TYPE = "switchyard.event.type";
export const SY_DELIVER_EVENTS = "switchyard.deliver.events";
export const SY_DELIVER_CONNECTIONS = "switchyard.deliver.connections";
export const SY_DELIVER_WRITES = "switchyard.deliver.writes";
export const SY_ISOLATION_CHECK = "switchyard.isolation.check";
export const SY_ISOLATION_VIOLATIONS = "switchyard.isolation.violations";
