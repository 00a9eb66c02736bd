/**
 * `completion bash|zsh`: a completion script generated from the command table and each command's option
 * parser (cli/commands.ts), so it completes exactly what the parsers accept: commands, subcommands, options,
 * the values of options that take a fixed set, and file names for the other option values.
 *
 * Both scripts share one shape — the word before the cursor decides (an option value, an option, or a
 * subcommand) — so that a test can drive them the same way in each shell.
 */
import { available } from "./commands.js";
import { parse, UsageError, type Options } from "./lib/args.js";

export const help = `
Usage: cli completion bash|zsh [--name PROGRAM]

Prints a completion script for the commands, subcommands, options and option values of this CLI.

  bash   source <(edge-metrics completion bash)           (or save it in /etc/bash_completion.d/edge-metrics)
  zsh    source <(edge-metrics completion zsh)            after compinit (or save it as _edge-metrics in $fpath)

  --name PROGRAM   the command name to complete (default: edge-metrics, the release artifact's command). In the
                   source tree: alias emcli='npx tsx cli/main.ts'; source <(emcli completion bash --name emcli)
`;

export const options = { name: { type: "string" } } as const;
export const subcommands = ["bash", "zsh"] as const;

interface Spec {
  name: string;
  options: string[];
  /** Options that take a value: their fixed values, or null for a file name. */
  valued: Map<string, readonly string[] | null>;
  subcommands: readonly string[];
}

async function specs(): Promise<Spec[]> {
  const out: Spec[] = [];
  for (const [name, c] of available()) {
    const m = await c.load();
    const opts: Options = { ...(m.options ?? {}), help: { type: "boolean" } };
    const valued = new Map<string, readonly string[] | null>();
    // `--append` of `token` is recognised only to explain its removal: do not offer it.
    const names = Object.keys(opts).filter((o) => !(name === "token" && o === "append"));
    for (const o of names) if (opts[o]!.type === "string") valued.set(o, m.values?.[o] ?? null);
    out.push({ name, options: names.map((o) => `--${o}`), valued, subcommands: m.subcommands ?? [] });
  }
  return out;
}

const fn = (program: string) => `_${program.replace(/[^A-Za-z0-9_]/g, "_")}_complete`;
const words = (w: readonly string[]) => w.join(" ");

function bash(program: string, all: Spec[]): string {
  const arms = all.map((s) => {
    const values = [...s.valued].filter(([, v]) => v).map(([o, v]) => `        --${o}) COMPREPLY=($(compgen -W "${words(v!)}" -- "$cur")); return ;;`);
    const files = [...s.valued].filter(([, v]) => !v).map(([o]) => `--${o}`);
    return [
      `    ${s.name})`,
      `      case "$prev" in`,
      ...values,
      ...(files.length ? [`        ${files.join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`] : []),
      `      esac`,
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${words(s.options)}" -- "$cur")); return; fi`,
      ...(s.subcommands.length ? [`      if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "${words(s.subcommands)}" -- "$cur")); return; fi`] : []),
      `      COMPREPLY=($(compgen -f -- "$cur")) ;;`,
    ].join("\n");
  });
  return [
    `# bash completion for ${program} (edge-metrics-adapter), made by \`${program} completion bash\``,
    `${fn(program)}() {`,
    `  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"`,
    `  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "${words(all.map((s) => s.name))} --help --version" -- "$cur")); return; fi`,
    `  case "\${COMP_WORDS[1]}" in`,
    ...arms,
    `  esac`,
    `}`,
    `complete -o filenames -F ${fn(program)} ${program}`,
    ``,
  ].join("\n");
}

function zsh(program: string, all: Spec[]): string {
  const arms = all.map((s) => {
    const values = [...s.valued].filter(([, v]) => v).map(([o, v]) => `        --${o}) compadd -- ${words(v!)}; return ;;`);
    const files = [...s.valued].filter(([, v]) => !v).map(([o]) => `--${o}`);
    return [
      `    ${s.name})`,
      `      case $prev in`,
      ...values,
      ...(files.length ? [`        ${files.join("|")}) _files; return ;;`] : []),
      `      esac`,
      `      if [[ $cur == -* ]]; then compadd -- ${words(s.options)}; return; fi`,
      ...(s.subcommands.length ? [`      if (( CURRENT == 3 )); then compadd -- ${words(s.subcommands)}; return; fi`] : []),
      `      _files ;;`,
    ].join("\n");
  });
  return [
    `#compdef ${program}`,
    `# zsh completion for ${program} (edge-metrics-adapter), made by \`${program} completion zsh\``,
    `${fn(program)}() {`,
    `  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}`,
    `  if (( CURRENT == 2 )); then compadd -- ${words(all.map((s) => s.name))} --help --version; return; fi`,
    `  case \${words[2]} in`,
    ...arms,
    `  esac`,
    `}`,
    // Loaded from $fpath, the file's body is the completion function; sourced, it registers itself.
    `if [[ \${funcstack[1]} == _${program.replace(/[^A-Za-z0-9_-]/g, "_")} ]]; then ${fn(program)} "$@"`,
    `elif (( \${+functions[compdef]} )); then compdef ${fn(program)} ${program}; fi`,
    ``,
  ].join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: ["bash|zsh"] });
  if (!a) return 0;
  const [shell] = a.positionals;
  const program = a.values.name ?? "edge-metrics";
  if (!/^[A-Za-z0-9._-]+$/.test(program)) throw new UsageError(`--name must be a plain command name, got ${program}`);
  if (shell !== "bash" && shell !== "zsh") throw new UsageError(shell === undefined ? "completion needs a shell: bash or zsh" : `unsupported shell: ${shell} (bash or zsh)`);
  const all = await specs();
  process.stdout.write(shell === "bash" ? bash(program, all) : zsh(program, all));
  return 0;
}
