/**
 * Prisma's codes for a database that refused the rows themselves: a value too long or out of range,
 * a constraint, a malformed value. Retrying such rows fails again.
 */
const REFUSED_DATA_CODES = new Set([
  "P2000",
  "P2002",
  "P2003",
  "P2004",
  "P2005",
  "P2006",
  "P2007",
  "P2011",
  "P2012",
  "P2019",
  "P2020",
  "P2023",
]);

/** SQLSTATE classes of refused data: 22 data exception (a NUL in text, say), 23 integrity constraint. */
const REFUSED_DATA_SQLSTATE = /^2[23]/;

/**
 * Whether a failed write failed because of its rows (retrying them would fail forever) rather than for
 * a passing reason: a transaction past its time limit (Prisma's P2028), a busy pool, a lock, a
 * deadlock, a dropped connection. Only the first kind may drop rows; the others are retried, so an
 * acknowledged record is never lost because the database was slow. Reads Prisma's error codes, the
 * SQLSTATE a driver adapter passed on (P2010), and the SQLSTATE of a `pg` error.
 */
export function isDataRefusal(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  // A row Prisma itself refused to send (a value of the wrong type).
  if ((err as Error).name === "PrismaClientValidationError") return true;
  const { code, meta } = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (typeof code !== "string") return false;
  if (REFUSED_DATA_CODES.has(code)) return true;
  const sqlstate = code === "P2010" ? meta?.driverAdapterError?.cause?.originalCode : code;
  return typeof sqlstate === "string" && sqlstate.length === 5 && REFUSED_DATA_SQLSTATE.test(sqlstate);
}
