// The in-process bus passes the same contract as Kafka, both with its log on disk (as
// `npm start` runs it) and in memory only.
import { LocalBus } from '../../../core/bus/local.js';
import { createLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/app.js';
import { busContract } from './contract.js';

const logger = createLogger('silent');
busContract('in-process with a log', async () => new LocalBus({ dir: tempDir('bus-contract'), partitions: 4, logger, maxLag: 1000 }));
busContract('in-process in memory', async () => new LocalBus({ dir: null, partitions: 4, logger, maxLag: 1000 }));
