/**
 * The public traces orchsim can fetch (`orchsim data pull`): for each dataset, the files it puts
 * in the data directory (paths relative to it, the same layout as the project's shared data
 * folder, so that folder works as a data directory and as a mirror), each file's size and
 * SHA-256 (pinned: a file that does not match is never written), and where upstream has it.
 *
 * Upstream is a public GitHub repository at a full commit id, read through raw.githubusercontent
 * (the PROVENANCE.md table of the shared data folder names the same sources). Two upstream
 * files are not what orchsim reads: the LANL trace is xz-compressed (unpacked while fetched),
 * and the Cloud Uptime Archive and Bitbrains traces are parquet, which orchsim does not read;
 * their CSV conversions come only from a mirror (`--from`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { switchedOn } from '../util/switches.js';

/** Where upstream has one file. */
export interface Upstream {
  readonly url: string;
  /** The upstream file is xz-compressed; the pinned size and SHA-256 are of the unpacked file. */
  readonly xz?: boolean | undefined;
}

export interface DataFile {
  /** Relative to the data directory, '/'-separated: "openb/openb_pod_list_default.csv". */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Undefined when no upstream file is this one (then only a mirror has it). */
  readonly upstream?: Upstream | undefined;
}

export interface Dataset {
  /** What `orchsim data pull NAME` calls it. */
  readonly name: string;
  /** Its folder in the data directory. */
  readonly folder: string;
  readonly description: string;
  /** The upstream repository and commit, in words. */
  readonly source: string;
  /** The licence or terms of use, and what to cite. */
  readonly terms: string;
  /** Why some files come only from a mirror, when some do. */
  readonly mirrorOnly?: string | undefined;
  readonly files: readonly DataFile[];
}

/** A file of a public GitHub repository at a pinned commit. */
function github(repo: string, commit: string, path: string, xz?: boolean): Upstream {
  return { url: `https://raw.githubusercontent.com/${repo}/${commit}/${path}`, ...(xz ? { xz } : {}) };
}

// Full commit ids of the pinned upstream commits (PROVENANCE.md gives their first 8 digits).
const SIMULATOR = ['hkust-adsl/kubernetes-scheduler-simulator', '8f3d6417353c5083c6d56617f255fadd8dc306bc'] as const;
const CLUSTERDATA = ['alibaba/clusterdata', '7a6c496e4f4b6ce6150be8f881cb051bf2abff42'] as const;
const DEEPRL = ['LANNDS18/DeepRLScheduler', '38c8ed31fd2b46c68848f27344b7d0914a380d6d'] as const;
const ESEUR = ['Derek-Jones/ESEUR-code-data', '1a49d102b38680531cb1d79ca131510b11b64e06'] as const;
const OPENDC = ['atlarge-research/opendc-traces', 'd46b15c4e2b9a99a950074f6fcbe976e5041f44f'] as const;
const AZURE = ['Azure/AzurePublicDataset', 'b469a113cedca53ddc3bdea71a143dc4b7d8700c'] as const;

const simulatorCsv = (name: string) => github(...SIMULATOR, `data/csv/${name}`);

const UPTIME_SERVICES = ['Apple', 'FB_Msgr', 'Facebook', 'Github', 'Gmail', 'Instagram', 'Netflix', 'Skype', 'Snapchat', 'Twitter', 'Whatsapp', 'YouTube'] as const;
const UPTIME_SHA256: Record<(typeof UPTIME_SERVICES)[number], [number, string]> = {
  Apple: [1410, 'd9d7a1aa9ff7eff1d604df3ff76e8a471cde3726dce24b99e377fc8a5497847f'],
  FB_Msgr: [7464, 'ed718f917b0f30d6e347912229a4b10eb6c209e6d69b2c9560c94482c8fe5636'],
  Facebook: [107978, 'e42db22820a4b4768620c3b1f6ac40e8df3ff0c2aa6d5eb73a2be65989bbeeb1'],
  Github: [2454, '04faf8aa22f6fb45927a09b1139e3163c683eea2a5a2232cd2bbce6efdf4b310'],
  Gmail: [10373, 'f5be31a0bbba2d266ff328b299262bed1a9c58e1a712e5d4b0c4fc30d8160ca4'],
  Instagram: [129950, 'fe5fd0d0816ccf35c16707efcd5b4efefc444e3885e5ae68540a4d0d613df58a'],
  Netflix: [113076, '7dcb5e400a59afd949bd764e1fa59642ab3c31cd337bdc60e6921037c368919f'],
  Skype: [3203, 'e4caca774b8dcc810abf7c10020407a0972cc479bff67f0113976ba1cc609571'],
  Snapchat: [65821, 'c0004051d258fd4bc8436ca7da02856e35b4ea5668947398dd5db2aaa9097e70'],
  Twitter: [96748, '8ddc29b79a1ea6a64d150539862bbfb8aa55cd272a68a8f5bab3b54a1003cee4'],
  Whatsapp: [21437, '25c94305044c3c1f3c6cf57c6ee4234f7a9f10b3124ad4ecd7c3460fe5954f6a'],
  YouTube: [144733, '4201dcceca35be03b30fde55eaad007e47a1c0b0b469686acbe82d444f06b2a9'],
};

/** The built-in catalogue. Sizes and SHA-256 computed from the files the project validated against. */
export const DATASETS: readonly Dataset[] = [
  {
    name: 'openb',
    folder: 'openb',
    description: 'Alibaba GPU cluster trace of the FGD paper: 1,523 nodes / 6,212 GPUs, the default task list (8,152 tasks) and four samplings of it',
    source: 'hkust-adsl/kubernetes-scheduler-simulator @ 8f3d641, data/csv/ (the same files as alibaba/clusterdata, cluster-trace-gpu-v2023/csv/)',
    terms: 'simulator Apache-2.0; Alibaba clusterdata CC BY 4.0; cite "Beware of Fragmentation", USENIX ATC\'23',
    files: [
      { path: 'openb/openb_node_list_all_node.csv', bytes: 52287, sha256: '5a85c2af79c66a1efff8bbcbda430400aae56d8431370d738480967e1a9c6b15', upstream: simulatorCsv('openb_node_list_all_node.csv') },
      { path: 'openb/openb_node_list_gpu_node.csv', bytes: 42353, sha256: '2beca64b4d3dfa342036a34b56a495c6cef9225db836c81f541282cb1df320b5', upstream: simulatorCsv('openb_node_list_gpu_node.csv') },
      { path: 'openb/openb_pod_list_default.csv', bytes: 575468, sha256: '1ee7ed79c27a3b0861cda8ddba86a004c6aba904caafa329a76ae93ca63834a8', upstream: simulatorCsv('openb_pod_list_default.csv') },
      { path: 'openb/openb_pod_list_cpu050.csv', bytes: 525811, sha256: '747f43247bffc2b0bb081d7f61f0705ca8d390dafc0b647e642c92f3baf3ba1e', upstream: simulatorCsv('openb_pod_list_cpu050.csv') },
      { path: 'openb/openb_pod_list_gpushare40.csv', bytes: 572662, sha256: 'd83ce79a4eb6987524bedbb0c65e41aed3a36bf6c1b78b86234c3687a07e1d40', upstream: simulatorCsv('openb_pod_list_gpushare40.csv') },
      { path: 'openb/openb_pod_list_gpuspec10.csv', bytes: 579461, sha256: '2dc7e4cb9480484f08539720b433a9ec9ab5d76b396f3f7557c53a2ff78a7611', upstream: simulatorCsv('openb_pod_list_gpuspec10.csv') },
      { path: 'openb/openb_pod_list_multigpu20.csv', bytes: 271530, sha256: 'd9ec6f6c74fb980cc0b81239470c6353fceea077ea9abd610003b604c7cc2b01', upstream: simulatorCsv('openb_pod_list_multigpu20.csv') },
      { path: 'openb/LICENSE-simulator-Apache-2.0', bytes: 11357, sha256: 'c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4', upstream: github(...SIMULATOR, 'LICENSE') },
      // Alibaba's GPU trace of 2023 has no licence file of its own; the v2020 one (CC BY 4.0) is the one that applies.
      { path: 'openb/LICENSE-alibaba-clusterdata-v2020-CC-BY-4.0.txt', bytes: 18653, sha256: '9bbc1ea9fe5c96df01b311a2ac864d5b18fc87b9948bfd14770e4b44db755ee9', upstream: github(...CLUSTERDATA, 'cluster-trace-gpu-v2020/LICENSE') },
    ],
  },
  {
    name: 'swf',
    folder: 'swf',
    description: 'HPC job logs in the Standard Workload Format: SDSC-SP2 1998 (59,715 jobs, 128 processors) and NASA iPSC/860 1993 (18,239 jobs, 128 nodes)',
    source: 'Parallel Workloads Archive, via LANNDS18/DeepRLScheduler @ 38c8ed3, dataset/',
    terms: 'research and education use; keep the header notice; cite the Parallel Workloads Archive',
    files: [
      { path: 'swf/SDSC-SP2-1998-4.2-cln.swf', bytes: 5601165, sha256: '2bb635f4b5793f52bd49ccb8fd913d95f9c5be6346925162cadcaf0117e28cf2', upstream: github(...DEEPRL, 'dataset/SDSC-SP2-1998-4.2-cln.swf') },
      { path: 'swf/NASA-iPSC-1993-3.1-cln.swf', bytes: 1678956, sha256: '9d997a2c20a7f7b0b6d81638d756ce8b2c524c4f2e9ec78da36001743ca33d76', upstream: github(...DEEPRL, 'dataset/NASA-iPSC-1993-3.1-cln.swf') },
    ],
  },
  {
    name: 'lanl',
    folder: 'failures/lanl',
    description: 'LANL node failure records 1996-2005: 23,739 records on 23 systems, with start, fix and down time and root causes',
    source: 'LA-UR-05-7318, via Derek-Jones/ESEUR-code-data @ 1a49d10, reliability/ (the CSV xz-compressed, unpacked while fetched)',
    terms: 'recognize Los Alamos for providing these data',
    files: [
      { path: 'failures/lanl/LA-UR-05-7318-failure-data-1996-2005.csv', bytes: 2939652, sha256: '516c88f0fa07b9d4c8b0d68974e8569f2ec2c98d6eefba372c12e7350bd2d175', upstream: github(...ESEUR, 'reliability/LA-UR-05-7318-failure-data-1996-2005.csv.xz', true) },
      { path: 'failures/lanl/README', bytes: 1092, sha256: 'cc4a793ada4d090ed64fc8d72adaf6155a17adcdc24b66fb451aca4428d6ba7c', upstream: github(...ESEUR, 'reliability/LA-UR-05-7318-failure-data-1996-2005.README') },
      { path: 'failures/lanl/LA-UR_failure_faq.html', bytes: 14276, sha256: '7d9215689b3af8dda0f86eee816e89d86c803832594e602f32b59564eb60210e', upstream: github(...ESEUR, 'reliability/LA-UR_failure_faq.html') },
    ],
  },
  {
    name: 'uptime',
    folder: 'failures/uptime',
    description: 'Cloud Uptime Archive: user-reported outages of 12 services (interval, duration, fraction of hosts affected)',
    source: 'atlarge-research/opendc-traces @ d46b15c, failure/traces/ (parquet; orchsim reads a CSV conversion)',
    terms: 'cite arXiv 2504.09476',
    mirrorOnly: 'upstream has these traces as parquet files only (failure/traces/*.parquet), which orchsim does not read; their CSV conversion comes from a mirror',
    files: [
      ...UPTIME_SERVICES.map((s) => ({ path: `failures/uptime/${s}_user_reported.csv`, bytes: UPTIME_SHA256[s][0], sha256: UPTIME_SHA256[s][1] })),
      { path: 'failures/uptime/README.md', bytes: 629, sha256: 'e271f3d4f9484a7ac15722d17cb05a5e17e556e8b09da87627e1dad60ea17e3b', upstream: github(...OPENDC, 'failure/README.md') },
    ],
  },
  {
    name: 'azure-llm',
    folder: 'arrivals/azure-llm',
    description: 'Azure LLM inference request arrivals of 2023 (conversation service): 19,365 requests with context and generated tokens',
    source: 'Azure/AzurePublicDataset @ b469a11, data/',
    terms: 'CC BY 4.0; cite "Splitwise", ISCA 2024',
    files: [
      { path: 'arrivals/azure-llm/AzureLLMInferenceTrace_conv.csv', bytes: 719188, sha256: '2f1e5b666d4e3055fdbba98598ce2ec307767b9064e03e2fa46676dbcc7d0bf8', upstream: github(...AZURE, 'data/AzureLLMInferenceTrace_conv.csv') },
      { path: 'arrivals/azure-llm/AzureLLMInferenceDataset2023.md', bytes: 2636, sha256: '9996a0d9e4d94ee52bc3564a33f51e172a34f4a58960a05f066a2b8061f9a1e0', upstream: github(...AZURE, 'AzureLLMInferenceDataset2023.md') },
      { path: 'arrivals/azure-llm/LICENSE-data', bytes: 18653, sha256: '9bbc1ea9fe5c96df01b311a2ac864d5b18fc87b9948bfd14770e4b44db755ee9', upstream: github(...AZURE, 'LICENSE') },
    ],
  },
  {
    name: 'bitbrains',
    folder: 'vm-usage/bitbrains',
    description: '50 Bitbrains VMs (OpenDC workload v4): tasks and CPU usage per 5-minute fragment',
    source: 'atlarge-research/opendc-traces @ d46b15c, workload/traces/v4/bitbrains-small/ (parquet; orchsim reads a CSV conversion)',
    terms: 'none stated; cite Bitbrains and OpenDC',
    mirrorOnly: 'upstream has this trace as parquet files only (tasks.parquet, fragments.parquet), which orchsim does not read; their CSV conversion comes from a mirror',
    files: [
      { path: 'vm-usage/bitbrains/tasks.csv', bytes: 2655, sha256: '3196ab23e1d30ca55ea3ed575128e6cfa0b8b99ed73993227719df28a6c94ecd' },
      { path: 'vm-usage/bitbrains/fragments.csv', bytes: 7277429, sha256: '8eb06b2375228cda578aef14e9b904e735db49305220ceed518d06e7bf0b2c4f' },
      { path: 'vm-usage/bitbrains/README.md', bytes: 1814, sha256: '230dc3837996cf19171d6c6bbf0c5e0a568e38ed6dde8c33452c022b1c61f8d0', upstream: github(...OPENDC, 'workload/README.md') },
    ],
  },
];

/**
 * A relative path inside the data directory: '/'-separated names, none empty, "." or "..", so
 * that it can never point outside the directory.
 */
export function isDataPath(p: string): boolean {
  return p.length > 0 && p.length <= 1024 && !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * The shape of a catalogue file (ORCHSIM_DATA_CATALOGUE), built on first use: only tests set the
 * variable, and building it when this module loads cost every CLI command, `--help` included,
 * some twenty zod schemas (start-up time, bench/README.md section 17, fourth pass). The same
 * schema either way; ORCHSIM_NO_LAZY_SCHEMA=1 builds it here, as the scenario's lazy parts.
 */
function catalogueFileSchema() {
  const dataPath = z.string().refine(isDataPath, 'expected a relative path inside the data directory ("folder/file.csv", no "..")');
  return z.array(
    z.object({
      name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
      folder: dataPath,
      description: z.string(),
      source: z.string(),
      terms: z.string(),
      mirrorOnly: z.string().optional(),
      files: z.array(
        z.object({
          path: dataPath,
          bytes: z.number().int().nonnegative(),
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
          upstream: z.object({ url: z.string().url(), xz: z.boolean().optional() }).optional(),
        }),
      ).min(1),
    }),
  ).min(1);
}
let catalogueFile = switchedOn('ORCHSIM_NO_LAZY_SCHEMA') ? undefined : catalogueFileSchema();

/**
 * The catalogue in use: the built-in one, or the JSON file that ORCHSIM_DATA_CATALOGUE names (a
 * list of datasets of the same shape). The variable exists for tests, which pull small fixture
 * files from a loopback server; it is not a user setting, and README does not offer it.
 */
export function catalogue(env: NodeJS.ProcessEnv = process.env): readonly Dataset[] {
  const file = env.ORCHSIM_DATA_CATALOGUE;
  if (!file) return DATASETS;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError({ file, path: [], message: `cannot read the data catalogue (ORCHSIM_DATA_CATALOGUE): ${e instanceof Error ? e.message : String(e)}` });
  }
  catalogueFile ??= catalogueFileSchema();
  const parsed = catalogueFile.safeParse(doc);
  if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => ({ file, path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })));
  return parsed.data;
}

/** The dataset whose folder holds `path` (a data path), if any. */
export function datasetOf(datasets: readonly Dataset[], path: string): Dataset | undefined {
  return datasets.find((d) => path.startsWith(`${d.folder}/`));
}
