"""A local stand-in for Azure Resource Manager, shaped like moto: one package per provider.

Run it with `python -m arm_emulator --port 8443 --state-dir DIR --time-scale S`.
"""
