# SPDX-License-Identifier: GPL-2.0
# bash completion for gre-ka(8): subcommands, options, settings, and the
# tunnels (and a multipoint tunnel's peers) as the kernel lists them.
# shellcheck shell=bash

# The -n NETNS given so far, for the commands that list the tunnels.
_gre_ka_netns=()

# _gre_ka_tunnels: the tunnels gre-ka shows (one JSON object a line).
_gre_ka_tunnels() {
	"${COMP_WORDS[0]}" "${_gre_ka_netns[@]}" --json show 2>/dev/null |
		sed -n 's/^{"name": "\([^"]*\)".*/\1/p'
}

# _gre_ka_peers DEV: the NBMA addresses of DEV's peers.
_gre_ka_peers() {
	"${COMP_WORDS[0]}" "${_gre_ka_netns[@]}" --json show "$1" 2>/dev/null |
		grep -o '"nbma": "[^"]*"' | sed 's/"nbma": "\(.*\)"/\1/'
}

_gre_ka() {
	local cur prev words=() i cmd='' keys
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	keys="enabled period_ms retries up_count reflect auth passive"
	_gre_ka_netns=()

	# The options before the subcommand, and the words after it.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [ -z "$cmd" ]; then
			case ${COMP_WORDS[i]} in
			-n | --netns)
				_gre_ka_netns=(-n "${COMP_WORDS[i + 1]}")
				((i++))
				;;
			--format | -f) ((i++)) ;;
			-*) ;;
			*) cmd=${COMP_WORDS[i]} ;;
			esac
		else
			words+=("${COMP_WORDS[i]}")
		fi
	done

	case $prev in
	-n | --netns)
		mapfile -t COMPREPLY < <(compgen -W "$(ip netns list 2>/dev/null |
			cut -d' ' -f1)" -- "$cur")
		return
		;;
	--format | -f)
		mapfile -t COMPREPLY < <(compgen -W "text json prometheus" -- "$cur")
		return
		;;
	esac

	if [ -z "$cmd" ]; then
		mapfile -t COMPREPLY < <(compgen -W "show monitor keepalive no passive set
			showconf setconf peer help -j --json -n --netns --format -h
			--help -V --version" -- "$cur")
		return
	fi

	case $cmd in
	show)
		mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_tunnels) --json --format" -- "$cur")
		;;
	keepalive | passive | showconf)
		[ ${#words[@]} = 0 ] &&
			mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_tunnels)" -- "$cur")
		;;
	no)
		if [ ${#words[@]} = 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W "keepalive passive" -- "$cur")
		elif [ ${#words[@]} = 1 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_tunnels)" -- "$cur")
		fi
		;;
	set)
		if [ ${#words[@]} = 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_tunnels)" -- "$cur")
		elif [ $((${#words[@]} % 2)) = 1 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$keys" -- "$cur")
		else
			case $prev in
			enabled | reflect | auth | passive)
				mapfile -t COMPREPLY < <(compgen -W "on off" -- "$cur")
				;;
			esac
		fi
		;;
	setconf)
		if [ ${#words[@]} = 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_tunnels)" -- "$cur")
		elif [ ${#words[@]} = 1 ]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	peer)
		if [ ${#words[@]} = 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W "add del" -- "$cur")
		elif [ ${#words[@]} = 1 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_tunnels)" -- "$cur")
		elif [ ${#words[@]} = 2 ] && [ "${words[0]}" = del ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_gre_ka_peers "${words[1]}")" -- "$cur")
		fi
		;;
	esac
}

complete -F _gre_ka gre-ka
