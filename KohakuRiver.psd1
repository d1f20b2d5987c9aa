# Module manifest for KohakuRiver. build.ps1 lays the module out as out/KohakuRiver/ (this file, the two
# assemblies and the format file side by side); Import-Module ./out/KohakuRiver/KohakuRiver.psd1.
@{
    RootModule           = 'KohakuRiver.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '966d2e74-62fe-43e1-9c53-5931b8ee78a0'
    Author               = 'KohakuRiver for PowerShell'
    CompanyName          = 'KohakuRiver for PowerShell'
    Copyright            = '(c) KohakuRiver for PowerShell contributors'
    Description          = 'Typed cmdlets for a KohakuRiver cluster: submit tasks and parameter sweeps, wait for them, read their output, stop, suspend and resume them, and list nodes.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('KohakuRiver.Core.dll')
    FormatsToProcess     = @('KohakuRiver.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-RiverCluster'
        'Disconnect-RiverCluster'
        'Get-RiverCluster'
        'Get-RiverHealth'
        'Get-RiverNode'
        'Get-RiverTask'
        'Receive-RiverTaskOutput'
        'Resume-RiverTask'
        'Stop-RiverTask'
        'Submit-RiverTask'
        'Suspend-RiverTask'
        'Wait-RiverTask'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('cluster', 'scheduler', 'sweep', 'docker', 'hpc')
        }
    }
}
