# The power-fail NMI (docs/faults_disk_nmi.md): save state on the NMI, find
# it again on the next boot. Two runs per test (exit 96, then 0):
# testbench/scenarios/faults.cmake and faults/powerfail.sh, with
# platform/configs/power_fail.yaml.
minipc_firmware(KERNEL SOURCES main.c)
