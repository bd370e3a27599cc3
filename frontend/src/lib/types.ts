// The API's shapes as the pages name them: aliases of the types generated from
// /api/v1/openapi.json at build time (api-types.ts, by `npm run api-types`), so a field the
// server renames or drops breaks `tsc` here instead of a page at run time.
import type { components } from "./api-types";

type Schemas = components["schemas"];

export type User = Schemas["UserRead"];
export type Campaign = Schemas["CampaignRead"];
export type Panorama = Schemas["PanoramaRead"];
export type ImageTiles = Schemas["ImageTiles"];
export type Attribution = Schemas["Attribution"];
export type Lease = Schemas["AssignmentRead"];
export type Feedback = Schemas["Feedback"];
export type SubmissionResult = Schemas["SubmissionResult"];
export type Stats = Schemas["UserStats"];
export type Flag = Schemas["FlagRead"];
export type Progress = Schemas["ProgressRead"];
export type PublicConfig = Schemas["PublicConfig"];
export type FindStep = Schemas["FindStep"];
export type FindStatus = Schemas["FindStatusRead"];

/**
 * Every error code the API can return, from the `ErrorCode` enum its error envelope uses.
 * Until the backend publishes that schema this falls back to `string`, and comparisons with
 * code literals go unchecked; once it does, a literal the API no longer has fails `tsc`.
 */
export type ErrorCode = Schemas extends { ErrorCode: infer Code extends string } ? Code : string;

// The answers the tagging screen offers (DESIGN §2); the API takes them as strings.
export type Attachment = "street_furniture" | "building" | "other";
export type CameraType = "dome_ptz" | "bullet" | "unknown";

/** One tag as the submission body sends it. */
export type TagBody = Omit<Schemas["TagIn"], "attachment" | "camera_type" | "base_heading" | "base_pitch"> & {
  attachment: Attachment;
  camera_type: CameraType;
  base_heading?: number;
  base_pitch?: number;
};

// Quality assurance (expert review, QA sample and report, moderation).
export type TaskReview = Schemas["TaskReviewRead"];
export type KnownCamera = Schemas["KnownCameraIn"];
export type CrowdTag = Schemas["CrowdTag"];
export type QueueItem = Schemas["QueueItem"];
export type QaSample = Schemas["SampleRead"];
export type QualityReport = Schemas["QualityReport"];
export type CategoryQuality = Schemas["CategoryQuality"];
export type Interval = Schemas["Interval"];
export type DecoderModeration = Schemas["DecoderModeration"];
export type KnownAnswer = Schemas["KnownAnswerRead"];
export type KnownImport = Schemas["KnownImportRead"];
