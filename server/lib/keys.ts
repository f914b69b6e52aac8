import path from 'node:path';
import type { Config } from '../config';
import { FieldCipher, loadOrCreateKeyFile, parseDataKey } from './crypto';

/**
 * The data key that encrypts children's identities: DATA_KEY when set; otherwise a key file
 * created once in the data directory (mode 0600). Several nodes must share DATA_KEY.
 */
export function dataCipher(config: Config): FieldCipher {
  const key = config.dataKey ? parseDataKey(config.dataKey) : loadOrCreateKeyFile(path.join(config.dataDir, 'data.key'));
  return new FieldCipher(key);
}
