/**
 * Shell integration for exact command capture, injected without touching the user's dotfiles: the
 * recorder writes these files into a private temporary directory and starts the shell on them.
 *
 * - bash: `bash --rcfile FILE -i`. FILE reads the user's startup files the way a login shell does
 *   (/etc/profile, then the first of ~/.bash_profile, ~/.bash_login, ~/.profile), then adds a DEBUG trap
 *   (before each command line: its exact text from `history 1`, or $BASH_COMMAND when history did not
 *   take the line, e.g. HISTCONTROL=ignorespace) and PROMPT_COMMAND hooks (exit status, cwd; a line that
 *   ran without a DEBUG trap, a subshell alone, is taken from history there). Multi-line commands are
 *   recorded as bash keeps them in history (with `cmdhist`, joined on one line).
 * - zsh: `ZDOTDIR=DIR zsh -l`. DIR's startup files source the user's own (from their ZDOTDIR or HOME) and
 *   .zshrc adds preexec (zsh hands it the exact line) and precmd hooks; .zlogin restores ZDOTDIR.
 *
 * The marks they print are described in shell-marks.ts. The nonce arrives in LATCHKEY_SHELL_MARK_NONCE and
 * is moved into an unexported variable. This is cooperation, not a security boundary: the user can switch
 * it off in their shell. The terminal stream itself is always recorded.
 */

export type ShellFamily = 'bash' | 'zsh' | 'other';

export const NONCE_VARIABLE = 'LATCHKEY_SHELL_MARK_NONCE';

export function shellFamily(shellPath: string): ShellFamily {
  const name = shellPath.slice(shellPath.lastIndexOf('/') + 1);
  return name === 'bash' ? 'bash' : name === 'zsh' ? 'zsh' : 'other';
}

const BASH_ESCAPE = String.raw`__lk_escape() {
  local s=$1
  s=\${s//\\/\\\\}
  s=\${s//;/\\x3b}
  s=\${s//$'\n'/\\x0a}
  s=\${s//$'\r'/\\x0d}
  s=\${s//$'\t'/\\x09}
  s=\${s//$'\a'/\\x07}
  s=\${s//$'\e'/\\x1b}
  __lk_escaped=$s
}
__lk_mark() { builtin printf '\e]633;LK;%s;%s\a' "$__lk_nonce" "$1"; }`.replace(/\\\$/g, '$');

/** The --rcfile for an interactive bash. */
export function bashRcFile(): string {
  return String.raw`# Latchkey session recording: shell integration for this session only (your dotfiles are not changed).
__lk_nonce=$${NONCE_VARIABLE}
unset ${NONCE_VARIABLE}
if [ -r /etc/profile ]; then . /etc/profile; fi
if [ -r ~/.bash_profile ]; then . ~/.bash_profile
elif [ -r ~/.bash_login ]; then . ~/.bash_login
elif [ -r ~/.profile ]; then . ~/.profile
fi
${BASH_ESCAPE}
__lk_state=starting
__lk_last_history=
__lk_history() {
  local line
  line=$(HISTTIMEFORMAT= builtin history 1)
  if [[ $line =~ ^\ *([0-9]+)[\ \*]\ (.*)$ ]]; then
    __lk_history_number=$${'{'}BASH_REMATCH[1]}
    __lk_history_text=$${'{'}BASH_REMATCH[2]}
  else
    __lk_history_number=
    __lk_history_text=
  fi
}
__lk_precmd() {
  local __lk_status=$?
  if [ "$__lk_state" = running ]; then
    __lk_mark "D;$__lk_status"
  elif [ "$__lk_state" = prompt ]; then
    # A line that ran without a DEBUG trap in this shell (a subshell alone, "(cd x && make)"): it is in
    # history all the same.
    __lk_history
    if [ -n "$__lk_history_number" ] && [ "$__lk_history_number" != "$__lk_last_history" ]; then
      __lk_escape "$__lk_history_text"
      __lk_mark "E;$__lk_escaped"
      __lk_mark "D;$__lk_status"
    fi
  fi
  __lk_state=prompting
  __lk_escape "$PWD"
  __lk_mark "P;Cwd=$__lk_escaped"
  __lk_history
  __lk_last_history=$__lk_history_number
  return $__lk_status
}
__lk_preexec() {
  [ "$__lk_state" = prompt ] || return 0
  [[ $BASH_COMMAND == __lk_precmd* ]] && return 0
  __lk_state=running
  __lk_history
  local line=$BASH_COMMAND
  if [ -n "$__lk_history_number" ] && [ "$__lk_history_number" != "$__lk_last_history" ]; then
    line=$__lk_history_text
  fi
  __lk_escape "$line"
  __lk_mark "E;$__lk_escaped"
}
__lk_ready() { __lk_state=prompt; __lk_mark A; }
trap '__lk_preexec' DEBUG
PROMPT_COMMAND=$'__lk_precmd\n'"$${'{'}PROMPT_COMMAND:-}"$'\n__lk_ready'
`;
}

/** The files of the ZDOTDIR a zsh starts with: name → contents. */
export function zshStartupFiles(): Record<string, string> {
  const source = (
    name: string,
    after: string,
  ) => String.raw`# Latchkey session recording: sources your ${name}, which is not changed.
ZDOTDIR=$${'{'}__lk_user_zdotdir:-$HOME}
[[ -r $ZDOTDIR/${name} ]] && . $ZDOTDIR/${name}
__lk_user_zdotdir=$ZDOTDIR
${after}`;
  const back = 'ZDOTDIR=$__lk_dir\n';
  return {
    '.zshenv':
      String.raw`__lk_dir=$ZDOTDIR
__lk_user_zdotdir=$${'{'}LATCHKEY_USER_ZDOTDIR:-$HOME}
unset LATCHKEY_USER_ZDOTDIR
__lk_nonce=$${NONCE_VARIABLE}
unset ${NONCE_VARIABLE}
` + source('.zshenv', back),
    '.zprofile': source('.zprofile', back),
    '.zshrc': source(
      '.zshrc',
      back +
        String.raw`${BASH_ESCAPE}
__lk_running=0
__lk_preexec() { __lk_running=1; __lk_escape "$1"; __lk_mark "E;$__lk_escaped"; }
__lk_precmd() {
  local __lk_status=$?
  (( __lk_running )) && __lk_mark "D;$__lk_status"
  __lk_running=0
  __lk_escape "$PWD"
  __lk_mark "P;Cwd=$__lk_escaped"
  __lk_mark A
  return $__lk_status
}
precmd_functions=(__lk_precmd $precmd_functions)
preexec_functions=(__lk_preexec $preexec_functions)
`,
    ),
    '.zlogin': source('.zlogin', 'unset __lk_dir\n'),
  };
}
