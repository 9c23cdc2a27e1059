export type { AuditSpanProcessor, AuditSpanProcessorOptions } from './create-audit-span-processor.js';
export { createAuditSpanProcessor } from './create-audit-span-processor.js';
export type { JsonLinesSpanExporterOptions, JsonSpan } from './json-lines-span-exporter.js';
export { createJsonLinesSpanExporter, toJsonSpan } from './json-lines-span-exporter.js';
export type { AuditSetup, SetupAuditOptions } from './setup-audit.js';
export { setupAudit } from './setup-audit.js';
