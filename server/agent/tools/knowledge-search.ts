import { KNOWLEDGE_BASE, type KnowledgeDoc } from "./knowledge-base";

const STOP_WORDS = new Set([
  "the",
  "a",
  "an",
  "is",
  "are",
  "of",
  "to",
  "and",
  "or",
  "in",
  "on",
  "for",
  "what",
  "how",
  "does",
  "do",
  "i",
  "you",
  "it",
  "with",
  "be",
  "can",
  "me",
  "my",
  "about",
]);

function words(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9_]+/g) ?? []).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}

export interface SearchHit {
  id: string;
  title: string;
  score: number;
  snippet: string;
}

/** Keyword search over the bundled knowledge base: term overlap, title hits weighted double. Deterministic. */
export function searchKnowledge(query: string, limit = 3, docs: readonly KnowledgeDoc[] = KNOWLEDGE_BASE): SearchHit[] {
  const terms = new Set(words(query));
  if (terms.size === 0) return [];
  return docs
    .map((doc) => {
      const body = words(doc.text);
      const title = new Set(words(doc.title));
      let score = 0;
      for (const t of terms) {
        score += body.filter((w) => w === t || (t.length > 3 && w.startsWith(t))).length;
        if (title.has(t)) score += 2;
      }
      return { id: doc.id, title: doc.title, score, snippet: doc.text.slice(0, 160) };
    })
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, limit);
}
