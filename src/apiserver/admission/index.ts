export { admitCreateInNamespace } from './namespace-lifecycle.ts';
