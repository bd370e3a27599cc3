// The signed-in account, joining and leaving; the public config; choosing a campaign.
import { ApiError, get, post } from "./api";
import type { Campaign, PublicConfig, User } from "./types";

interface TokenResponse {
  user: User;
}

/** The current account, or null when signed out. */
export async function currentUser(): Promise<User | null> {
  try {
    return await get<User>("/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function joinAnonymously(): Promise<User> {
  return (await post<TokenResponse>("/auth/register", {})).data.user;
}

export async function register(email: string, password: string, displayName?: string): Promise<User> {
  const body: Record<string, string> = { email, password };
  if (displayName) body.display_name = displayName;
  return (await post<TokenResponse>("/auth/register", body)).data.user;
}

export async function login(email: string, password: string): Promise<User> {
  return (await post<TokenResponse>("/auth/login", { email, password })).data.user;
}

export async function logout(): Promise<void> {
  await post("/auth/logout");
}

/** Keys and URLs the browser may use; an API without /config means "none configured". */
export async function publicConfig(): Promise<Partial<PublicConfig>> {
  try {
    return await get<PublicConfig>("/config");
  } catch {
    return {};
  }
}

export async function campaigns(): Promise<Campaign[]> {
  return (await get<{ campaigns: Campaign[] }>("/campaigns")).campaigns;
}

/** The campaign named by ?campaign=, else the first open one, else the first listed. */
export async function chooseCampaign(): Promise<{ campaign: Campaign | null; all: Campaign[] }> {
  const all = await campaigns();
  const wanted = new URLSearchParams(location.search).get("campaign");
  const campaign = all.find((c) => c.slug === wanted) ?? all.find((c) => c.status === "open") ?? all[0] ?? null;
  return { campaign, all };
}

export function roleAtLeast(user: User | null, role: User["role"]): boolean {
  const order = ["decoder", "expert", "coordinator", "admin"];
  return !!user && order.indexOf(user.role) >= order.indexOf(role);
}

/** A short public name: display name, else a pseudonym from the public id. */
export function shownName(user: User): string {
  return user.display_name || `Decoder ${user.public_id.slice(0, 6)}`;
}
