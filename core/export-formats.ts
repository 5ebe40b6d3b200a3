/** Destinations of a run. Plain values, no zod: the operator pages bundle this list through api/contract.ts. */
export const EXPORT_FORMATS = ['kafka', 'csv', 'excel'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
