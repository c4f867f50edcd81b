# bash completion for the flamekit tools.
#
# Installed once per tool as share/bash-completion/completions/TOOL, so
# bash-completion loads it on the first <Tab> after any of them. The
# options come from the tool's own --help, so they are always those of
# the installed version; values are completed for the options that take
# a fixed set of them, and files for everything else.

_flamekit()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	fi

	case $prev in
	--colors|--color)
		COMPREPLY=($(compgen -W 'hot mem io wakeup chain java js perl
			python rust red green blue aqua yellow purple orange
			diff-cb' -- "$cur"))
		return ;;
	--bgcolors)
		COMPREPLY=($(compgen -W 'yellow blue green grey' -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "$("$1" --help 2>/dev/null |
			sed -n 's/.*--format \([a-z|]*\).*/\1/p' | tr '|' ' ')" \
			-- "$cur"))
		return ;;
	--include|--exclude|--focus|--show-from|--hide|--prune-below|\
	--rename|--title|--subtitle|--search|-n)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		local opts
		opts=$("$1" --help 2>/dev/null |
			grep -o -- '--[a-z][a-z0-9-]*\(\[=[a-z]*\]\)\{0,1\}' |
			sed 's/^\(.*\)\[=\(.*\)\]$/\1\n\1=\2/' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _flamekit difffold flamegraph topfns \
	stackcollapse-perf stackcollapse-pstats stackcollapse-pyspy \
	stackcollapse-scalene
