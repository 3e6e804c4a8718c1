import { z } from "zod";

export const ROLES = ["user", "operator"] as const;
export type Role = (typeof ROLES)[number];
export type UserId = string;

/** `sub` as the contract allows it: 1-128 chars of [A-Za-z0-9_.:@-]. */
export const UserIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@-]+$/);

/** Who a verified token says the caller is. */
export interface Identity {
  userId: UserId;
  role: Role;
}
