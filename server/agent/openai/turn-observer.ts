/** One model turn of an OpenAI-compatible agent, as it ended (the OpenTelemetry `chat <model>` span). */
export interface ModelTurnReport {
  runId: string;
  /** 1 for the first turn of the run. */
  step: number;
  model: string;
  /** Run clock milliseconds (epoch live). */
  startedAt: number;
  endedAt: number;
  /** Null when the server sent none. */
  usage: { input_tokens: number; output_tokens: number } | null;
  finishReason: string | null;
  /** The AgentFailure code when the turn failed; null otherwise. */
  errorCode: string | null;
  /** The turn's text and tool calls: observers that may not keep content must ignore them. */
  content: string;
  toolCalls: readonly { id: string; name: string; arguments: string }[];
}

/** Told of every model turn (a stopped run's interrupted turn is not reported). Keep it O(1). */
export interface ModelTurnObserver {
  onModelTurn(report: ModelTurnReport): void;
}
