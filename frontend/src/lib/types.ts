// Shapes of the API responses the pages read (see /api/v1/openapi.json).

export interface User {
  id: number;
  public_id: string;
  role: "decoder" | "expert" | "coordinator" | "admin";
  email: string | null;
  display_name: string | null;
  is_anonymous: boolean;
  locale: string | null;
}

export interface Campaign {
  slug: string;
  name: string;
  description: string;
  status: string;
  votes_per_task: number;
}

export interface Panorama {
  provider: "equirect" | "google" | "mapillary";
  image_url?: string | null;
  pano_id?: string | null;
  lat: number;
  lon: number;
  captured_at?: string | null;
  heading?: number | null;
}

export interface Lease {
  id: number;
  expires_at: string;
  tutorial: boolean;
  task: { id: number; known_answer: boolean; panorama: Panorama };
  progress: { tasks_done: number; tutorial_remaining: number };
}

export type Attachment = "street_furniture" | "building" | "other";
export type CameraType = "dome_ptz" | "bullet" | "unknown";

export interface TagBody {
  heading: number;
  pitch: number;
  zoom: number;
  attachment: Attachment;
  camera_type: CameraType;
  base_heading?: number;
  base_pitch?: number;
}

export interface Feedback {
  matched: { tag: number; camera: number; attachment_ok: boolean; type_ok: boolean }[];
  missed: { heading: number; pitch: number; attachment: Attachment; camera_type: CameraType }[];
  false_tags: number[];
  recall: number | null;
  precision: number | null;
}

export interface SubmissionResult {
  id: number;
  task_id: number;
  feedback?: Feedback | null;
}

export interface Stats {
  tasks_done: number;
  cameras_tagged: number;
  no_camera_tasks: number;
  problems_reported: number;
  known_answer_tasks: number;
  known_answer_recall: number | null;
  known_answer_precision: number | null;
}

export interface Flag {
  id: number;
  task_id: number;
  author: string;
  body: string;
  created_at: string;
}

export interface Progress {
  tasks_total: number;
  tasks_complete: number;
  tasks_in_progress: number;
  tasks_review: number;
  submissions: number;
  by_area: { area: string; kind: string; tasks_total: number; tasks_complete: number }[];
  by_day: { day: string; submissions: number; tasks_completed: number }[];
}

export interface PublicConfig {
  google_maps_key?: string | null;
  mapillary_token?: string | null;
  basemap_style_url?: string | null;
}
