import { exitWithParent } from './exit-with-parent';

/** Preloaded (`node --require`) into the servers the bench starts: they stop when the bench dies. */
exitWithParent(false);
