/** Control characters (tab and newlines allowed), U+FFFD, and lone UTF-16 surrogates. */
/* eslint-disable no-control-regex -- matching control characters is the point */
const INVALID_CHARACTERS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/* eslint-enable no-control-regex */

/** One finding of content validation. */
export interface ContentIssue {
  code: string;
  message: string;
  severity: "error" | "warning";
  penalty: number;
}

/**
 * The scoring rule: start from 1 and subtract a penalty per finding (empty, too short or long,
 * repetitive, placeholder text, control characters, unsafe markup, shouting, malformed JSON or fences).
 * Valid when the score reaches 0.5 (0.8 in strict mode) and no finding is an error.
 */
export function scoreContent(
  content: string,
  contentType = "text",
  strict = false,
): { valid: boolean; score: number; issues: Omit<ContentIssue, "penalty">[] } {
  const issues: ContentIssue[] = [];
  const add = (code: string, message: string, severity: ContentIssue["severity"], penalty: number) =>
    issues.push({ code, message, severity, penalty });
  const text = content.trim();
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const letters = text.match(/\p{L}/gu) ?? [];

  if (text.length === 0) add("empty", "The content is empty.", "error", 1);
  else if (text.length < 10) add("too_short", "The content is under 10 characters.", "warning", 0.3);
  if (text.length > 20000) add("too_long", "The content is over 20,000 characters.", "warning", 0.1);
  if (words.length >= 20 && new Set(words).size / words.length < 0.3) add("repetitive", "Most words repeat.", "warning", 0.3);
  if (/lorem ipsum|\bTODO\b|\bTBD\b|\[insert[^\]]*\]/i.test(text)) add("placeholder_text", "Placeholder text remains.", "warning", 0.2);
  if (INVALID_CHARACTERS.test(content)) {
    add("invalid_characters", "Control characters or broken Unicode.", "warning", 0.2);
  }
  if (/<\s*script\b|javascript:|\bon[a-z]{1,32}\s*=\s*["']/i.test(text))
    add("unsafe_markup", "Script or event-handler markup.", "error", 0.4);
  if (letters.length > 20 && letters.filter((c) => c === c.toUpperCase() && c !== c.toLowerCase()).length / letters.length > 0.7) {
    add("shouting", "Mostly capital letters.", "warning", 0.1);
  }
  if (contentType === "json") {
    try {
      JSON.parse(text);
    } catch {
      add("invalid_json", "The content is not valid JSON.", "error", 0.5);
    }
  }
  if ((contentType === "markdown" || contentType === "code") && (text.match(/```/g) ?? []).length % 2 === 1) {
    add("unclosed_code_fence", "A ``` code fence is not closed.", "warning", 0.2);
  }

  const score = Math.max(0, Math.round((1 - issues.reduce((s, i) => s + i.penalty, 0)) * 100) / 100);
  const valid = score >= (strict ? 0.8 : 0.5) && !issues.some((i) => i.severity === "error");
  return { valid, score, issues: issues.map(({ code, message, severity }) => ({ code, message, severity })) };
}
