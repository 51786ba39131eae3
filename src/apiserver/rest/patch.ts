// Moved to src/apiserver/patch/; kept so existing imports of rest/patch.ts keep working.
export * from '../patch/index.ts';
