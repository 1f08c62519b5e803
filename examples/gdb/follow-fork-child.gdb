# README "following the child instead, through its exec", as a gdb script. With
#   mmlab run --gdb 1234 --gdb-wait --mount guests/bin/gdbevents.nolibc.elf:/bin/gdbevents \
#     guests/bin/gdbevents.nolibc.elf /bin/gdbevents
# in another terminal, run
#   gdb-multiarch -ex 'target remote :1234' -x examples/gdb/follow-fork-child.gdb
set follow-fork-mode child
handle SIGUSR1 nostop noprint
catch exec
continue
info inferiors
break main
continue
continue
