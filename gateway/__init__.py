"""Azure gateway: every call the deployer makes to Azure (ARM and Blob Storage) goes through here."""
