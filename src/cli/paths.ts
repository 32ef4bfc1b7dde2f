/**
 * Where the project's own files are (data set, model, fonts): next to package.json, wherever the command is run
 * from. Outputs (logs/) are relative to the working directory instead, like the original services.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error('cannot find the rx-ml-pipeline package root (no package.json above the CLI)');
    dir = up;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const DEFAULT_DATASET = join(PACKAGE_ROOT, 'data', 'diabetes.csv');
export const DEFAULT_MODEL = join(PACKAGE_ROOT, 'models', 'diabetes-linear.json');
/**
 * `path` as typed from `cwd`: relative when the file is inside it, else absolute. For messages about a file,
 * so that they name it the way the user would.
 */
export function pathFromCwd(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  const inside = rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
  return inside ? rel.split(sep).join('/') : path;
}

/**
 * How --help shows the default of a file shipped with the package: the relative path that reaches it from `cwd`
 * when it is inside, else its place in the package (`the package's data/diabetes.csv`), never an absolute path
 * of wherever the package was installed.
 */
export function shippedFileShown(path: string, cwd: string = process.cwd()): string {
  const shown = pathFromCwd(path, cwd);
  return shown !== path ? shown : `the package's ${relative(PACKAGE_ROOT, path).split(sep).join('/')}`;
}

/** The column of DEFAULT_DATASET that the model predicts. */
export const DEFAULT_TARGET = 'target';

/** Outputs, as the original services named them: <log-dir>/metric_log.csv and <log-dir>/error_distribution.png. */
export const DEFAULT_LOG_DIR = 'logs';
export const METRIC_LOG_NAME = 'metric_log.csv';
export const PLOT_IMAGE_NAME = 'error_distribution.png';
/** The plot's second image: the window MAE and bias over time. */
export const TIMELINE_IMAGE_NAME = 'error_over_time.png';

/**
 * An optional output file: `''` switches it off (undefined), a path given is taken from the working directory as
 * every other path option is, and none given means `name` in the log folder.
 */
export const optionalOutputFile = (
  value: string | undefined,
  logDir: string,
  name: string,
): string | undefined =>
  value === '' ? undefined : value !== undefined ? resolve(value) : resolve(logDir, name);

export interface OutputPaths {
  readonly logDir: string;
  readonly csvFile: string;
  readonly imgFile: string;
}

/**
 * CSV_FILE / IMG_FILE (as the original services had) or --csv-file / --img-file win over --log-dir.
 * The folders are created, so that a first run in a fresh checkout just works.
 */
export async function outputPaths(args: {
  logDir: string;
  csvFile?: string | undefined;
  imgFile?: string | undefined;
}): Promise<OutputPaths> {
  const logDir = resolve(args.logDir);
  const paths = {
    logDir,
    csvFile: resolve(args.csvFile ?? join(logDir, METRIC_LOG_NAME)),
    imgFile: resolve(args.imgFile ?? join(logDir, PLOT_IMAGE_NAME)),
  };
  await Promise.all([paths.csvFile, paths.imgFile].map((f) => mkdir(dirname(f), { recursive: true })));
  return paths;
}
