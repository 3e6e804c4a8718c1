/**
 * A safe arithmetic calculator: a recursive-descent parser over + - * / % ^ and parentheses.
 * No eval, no identifiers; bounded input and depth.
 */
export function calculate(expression: string): number {
  if (expression.length > 256) throw new Error("expression too long");
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/%^()]|\S/g) ?? [];
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];

  const primary = (): number => {
    const t = take();
    if (t === undefined) throw new Error("unexpected end of expression");
    if (t === "(") {
      if (++depth > 32) throw new Error("too deeply nested");
      const v = sum();
      if (take() !== ")") throw new Error("missing )");
      depth--;
      return v;
    }
    if (t === "-") return -primary();
    if (t === "+") return primary();
    if (/^\d/.test(t)) return Number(t);
    throw new Error(`unexpected "${t}"`);
  };
  const power = (): number => {
    const base = primary();
    if (peek() === "^") {
      take();
      return base ** power();
    }
    return base;
  };
  const product = (): number => {
    let v = power();
    for (let op = peek(); op === "*" || op === "/" || op === "%"; op = peek()) {
      take();
      const r = power();
      if ((op === "/" || op === "%") && r === 0) throw new Error("division by zero");
      v = op === "*" ? v * r : op === "/" ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    for (let op = peek(); op === "+" || op === "-"; op = peek()) {
      take();
      v = op === "+" ? v + product() : v - product();
    }
    return v;
  };

  const result = sum();
  if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos]}"`);
  if (!Number.isFinite(result)) throw new Error("result is not finite");
  return Math.round(result * 1e10) / 1e10;
}

/** Finds the first arithmetic expression in free text ("what is 12 * (3 + 4)?"), or null. */
export function findExpression(text: string): string | null {
  // Bounded: the pattern backtracks on long digit runs, and content may be 32,768 characters.
  const match = text.slice(0, 512).match(/[-(]*\d+(?:\.\d+)?(?:\s*[-+*/%^]\s*[(]*\s*\d+(?:\.\d+)?\s*[)]*)+/);
  return match ? match[0].trim() : null;
}
