# README "A bare guest that turns on paging", as a gdb script. With
#   mmlab run --bare --gdb 1234 --gdb-wait guests/bin/bare_paging.elf
# in another terminal, run
#   gdb-multiarch -ex 'target remote :1234' -x examples/gdb/bare-paging.gdb guests/bin/bare_paging.elf
p $priv
break start_kernel
continue
p/x $satp
p $priv
break s_trap
continue
p/x $scause
p/x $stval
monitor walk 0xffffffffc0001000
monitor walk 0xffffffffc0000000
monitor tlb
continue
