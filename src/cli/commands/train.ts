/** `pipeline train`: fits ordinary least squares on a numeric CSV and writes the model as JSON data. */
import { ModelFileExistsError, train } from '../../services/train.js';
import { defineCommand } from '../command.js';
import { datasetOptions } from '../options.js';
import { DEFAULT_MODEL, pathFromCwd, shippedFileShown } from '../paths.js';

export const trainCommand = defineCommand({
  name: 'train',
  describe: 'fit a linear model (OLS via QR) on a data set and write it as a JSON model file',
  options: {
    ...datasetOptions,
    out: {
      type: 'string',
      default: DEFAULT_MODEL,
      defaultDescription: shippedFileShown(DEFAULT_MODEL),
      describe: 'model file to write (JSON); an existing one is replaced only with --force',
    },
    force: { type: 'boolean', default: false, describe: 'replace the model file if it exists' },
  },
  examples: [
    ['$0 train --dataset data/diabetes-raw.csv --out models/raw.json', 'a model for the raw data'],
    ['$0 train --force', 'fit the shipped data set again, replacing the shipped model'],
  ],
  handler: async (args) => {
    try {
      const r = await train({
        dataset: args.dataset,
        target: args.target,
        out: args.out,
        overwrite: args.force,
      });
      process.stdout.write(
        `trained on ${r.rows} rows, ${r.features.length} features (${r.features.join(', ')})\n` +
          `in-sample MAE ${r.mae.toFixed(4)}, RMSE ${r.rmse.toFixed(4)}, R² ${r.r2.toFixed(4)}, ` +
          `condition number ${r.conditionNumber.toPrecision(3)}\nwrote ${r.out}\n`,
      );
      return 0;
    } catch (e) {
      if (!(e instanceof ModelFileExistsError)) throw e;
      // A usage error like a bad option: the user asked for something the CLI will not do unasked.
      process.stderr.write(
        `pipeline: ${pathFromCwd(args.out)} already exists; add --force to replace it, or --out another file\n`,
      );
      return 2;
    }
  },
});
