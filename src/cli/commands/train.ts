/** `pipeline train`: fits ordinary least squares on a numeric CSV and writes the model as JSON data. */
import { train } from '../../services/train.js';
import { defineCommand } from '../command.js';
import { datasetOptions } from '../options.js';
import { DEFAULT_MODEL } from '../paths.js';

export const trainCommand = defineCommand({
  name: 'train',
  describe: 'fit a linear model (OLS via QR) on a data set and write it as a JSON model file',
  options: {
    ...datasetOptions,
    out: { type: 'string', default: DEFAULT_MODEL, describe: 'model file to write (JSON)' },
  },
  examples: [
    ['$0 train --dataset data/diabetes.csv --target target --out models/diabetes-linear.json', ''],
    ['$0 train --dataset data/diabetes-raw.csv --out models/raw.json', 'a model for the raw data'],
  ],
  handler: async (args) => {
    const r = await train({ dataset: args.dataset, target: args.target, out: args.out });
    process.stdout.write(
      `trained on ${r.rows} rows, ${r.features.length} features (${r.features.join(', ')})\n` +
        `in-sample MAE ${r.mae.toFixed(4)}, RMSE ${r.rmse.toFixed(4)}, R² ${r.r2.toFixed(4)}, ` +
        `condition number ${r.conditionNumber.toPrecision(3)}\nwrote ${r.out}\n`,
    );
    return 0;
  },
});
