// The wire shapes: plain types and constants, no decorators and no imports
// beyond `libs/contracts`' own plain files, so that a browser bundle or the
// client package can take them as they are. The DTO classes beside this
// folder (validation, OpenAPI) implement these interfaces.
export * from './error-codes';
export * from './client-commands';
export * from './server-messages';
