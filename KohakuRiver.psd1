# Module manifest for KohakuRiver. build.ps1 lays the module out as out/KohakuRiver/ (this file, the two
# assemblies and the format file side by side); Import-Module ./out/KohakuRiver/KohakuRiver.psd1.
@{
    RootModule           = 'KohakuRiver.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '966d2e74-62fe-43e1-9c53-5931b8ee78a0'
    Author               = 'KohakuRiver for PowerShell'
    CompanyName          = 'KohakuRiver for PowerShell'
    Copyright            = '(c) KohakuRiver for PowerShell contributors'
    Description          = 'Typed cmdlets for a KohakuRiver cluster: submit tasks and parameter sweeps, wait for them, read their output, stop, suspend and resume them, list nodes, build and publish environments, and run VPSs reached over SSH.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('KohakuRiver.Core.dll')
    FormatsToProcess     = @('KohakuRiver.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-RiverCluster'
        'Connect-RiverTask'
        'Connect-RiverVps'
        'Disconnect-RiverCluster'
        'Enter-RiverEnvironment'
        'Get-RiverCluster'
        'Get-RiverEnvironment'
        'Get-RiverHealth'
        'Get-RiverNode'
        'Get-RiverNodeHistory'
        'Get-RiverPortForward'
        'Get-RiverTask'
        'Get-RiverVps'
        'Get-RiverVpsSshConfig'
        'Invoke-RiverEnvironmentCommand'
        'Invoke-RiverTaskCommand'
        'New-RiverEnvironment'
        'New-RiverVps'
        'Publish-RiverEnvironment'
        'Receive-RiverTaskOutput'
        'Remove-RiverEnvironment'
        'Restart-RiverVps'
        'Resume-RiverTask'
        'Start-RiverEnvironment'
        'Start-RiverPortForward'
        'Stop-RiverEnvironment'
        'Stop-RiverPortForward'
        'Stop-RiverTask'
        'Stop-RiverVps'
        'Submit-RiverTask'
        'Suspend-RiverTask'
        'Wait-RiverTask'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('cluster', 'scheduler', 'sweep', 'docker', 'hpc', 'ssh', 'vps')
        }
    }
}
