/** The package version, reported as the instrumentation scope version of Palisade's spans. */
export const AUDIT_VERSION = '0.1.0';
