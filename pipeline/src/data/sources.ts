/**
 * Where the datasets that do not ship with npm come from, and how a copy is
 * known to be the official one (`npm run datasets -- fetch`, data/fetch.ts).
 *
 * Addresses and archive checksums are those of TensorFlow Datasets
 * (tensorflow_datasets/url_checksums/fashion_mnist.txt and cifar10.txt: URL,
 * size, SHA-256). They agree with the MD5 sums the datasets publish and
 * torchvision checks: Fashion-MNIST's README lists 8d4fb7e6…, 25c81989…,
 * bef4ecab…, bb300cfd… for the four files (the two label files of the upstream
 * repository, which have those MD5s, have TFDS's SHA-256s too); CIFAR-10's
 * page lists c32a1d4a… for cifar-10-binary.tar.gz.
 *
 * Content checksums (of the gunzipped files) let a recompressed copy verify:
 * Debian's dataset-fashion-mnist (0.0~git20200523.55506a9-1) holds the
 * official files with the gzip header rewritten (no file name, another time),
 * so their bytes and MD5s differ. They were pinned from that package's files,
 * after checking that putting the official header back (FNAME set to the
 * file's name, MTIME 0x59a7e9de for the training files, 0x59a7e9f3 for the
 * test files, as in the upstream label files) gives, byte for byte, archives
 * with TFDS's SHA-256s above: the compressed streams are the official ones.
 * CIFAR-10 has no content checksum: no copy was at hand to pin one from, so
 * only the official archive verifies.
 */
import type { DatasetName } from './datasets.ts';

export interface ArchiveFile {
  /** The official file name; under a mirror the file is fetched from `<mirror>/<name>`. */
  name: string;
  bytes: number;
  sha256: string;
  /** For a gzipped file, its gunzipped content: a recompressed copy verifies by this. */
  content?: { bytes: number; sha256: string };
}

export interface DatasetSource {
  dataset: Exclude<DatasetName, 'mnist'>;
  /** Its name on the command line. */
  cliName: string;
  /** Where the official files are: `<base><name>`. */
  base: string;
  files: ArchiveFile[];
  /** `files`: the downloaded files are the dataset's files; `tar`: one tar.gz, unpacked, holding the folder `folder`. */
  kind: 'files' | 'tar';
  /** The folder under the data root it is installed as (the one datasets.ts reads). */
  folder: string;
}

export const sources: readonly DatasetSource[] = [
  {
    dataset: 'fashion-mnist',
    cliName: 'fashion-mnist',
    // The S3 website the dataset's README links to (http only).
    base: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    kind: 'files',
    folder: 'fashion-mnist',
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        bytes: 26421880,
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
        content: { bytes: 47040016, sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        bytes: 29515,
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
        content: { bytes: 60008, sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        bytes: 4422102,
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
        content: { bytes: 7840016, sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        bytes: 5148,
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
        content: { bytes: 10008, sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
      },
    ],
  },
  {
    dataset: 'cifar10',
    cliName: 'cifar-10',
    // The dataset's page, https://www.cs.toronto.edu/~kriz/cifar.html: "CIFAR-10 binary version (suitable for C programs)".
    base: 'https://www.cs.toronto.edu/~kriz/',
    kind: 'tar',
    folder: 'cifar-10-batches-bin',
    files: [{ name: 'cifar-10-binary.tar.gz', bytes: 170052171, sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd' }],
  },
];

/** The source a command-line name means (`cifar10` is accepted for `cifar-10`), or undefined. */
export function sourceByName(name: string): DatasetSource | undefined {
  return sources.find((s) => s.cliName === name || s.dataset === name);
}
