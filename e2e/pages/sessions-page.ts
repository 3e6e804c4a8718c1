import type { Locator, Page } from "@playwright/test";
import type { AgentEventType } from "../../contract/run-events";
import type { SessionStatus } from "../../contract/sessions";
import { fillUntilHeld } from "./fill-until-held";

export class SessionsPage {
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId("sessions-row");
  }

  async goto(query = ""): Promise<void> {
    await this.page.goto(`/sessions${query}`);
  }

  async filterStatus(status: "all" | SessionStatus): Promise<void> {
    await this.page.getByTestId(`sessions-filter-${status}`).click();
  }

  async filterUser(userId: string): Promise<void> {
    await fillUntilHeld(this.page.getByTestId("sessions-filter-user"), userId);
  }

  row(runId: string): Locator {
    return this.page.locator(`[data-testid="sessions-row"][data-session-id="${runId}"]`);
  }

  async open(runId: string): Promise<void> {
    await this.row(runId).getByTestId("sessions-link").click();
  }
}

export class SessionDetailPage {
  readonly status: Locator;
  readonly reasons: Locator;
  readonly timeline: Locator;
  readonly replay: Locator;
  readonly agentKind: Locator;
  /** The run's answer: the streamed deltas joined in seq order. */
  readonly response: Locator;
  readonly responseText: Locator;
  readonly chunks: Locator;
  readonly ttft: Locator;
  readonly agentError: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId("session-verdict").getByTestId("session-status");
    this.reasons = page.getByTestId("session-verdict").getByTestId("session-reasons");
    this.timeline = page.getByTestId("session-timeline");
    this.replay = page.getByTestId("replay-panel");
    this.agentKind = page.getByTestId("session-agent-kind");
    this.response = page.getByTestId("session-response");
    this.responseText = page.getByTestId("session-response-text");
    this.chunks = page.getByTestId("session-chunks");
    this.ttft = page.getByTestId("session-ttft");
    this.agentError = page.getByTestId("session-agent-error");
  }

  async goto(runId: string): Promise<void> {
    await this.page.goto(`/sessions/${encodeURIComponent(runId)}`);
  }

  /** A card of the golden-path checklist (or the agent_error card that replaces the rest). */
  goldenStep(type: AgentEventType): Locator {
    return this.page.locator(`[data-testid="golden-step"][data-type="${type}"]`);
  }

  /** The events-table row of a type (consecutive chunks are one row). */
  eventRow(type: AgentEventType): Locator {
    return this.page.locator(`[data-testid="session-event-row"][data-type="${type}"]`);
  }

  toolCall(name: string): Locator {
    return this.page.locator(`[data-testid="tool-call-row"][data-tool="${name}"]`);
  }
}
