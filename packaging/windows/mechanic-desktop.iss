; Inno Setup script: a per-user installer for the PyInstaller folder in dist\MechanicDesktop.
;   iscc /DAppVersion=0.1.0 packaging\windows\mechanic-desktop.iss
; Per-user (no administrator rights needed), Start-menu shortcut, uninstaller.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6B0E5C63-8F0B-4E55-9A7E-4D0C7A3A1D21}
AppName=Mechanic Desktop
AppVersion={#AppVersion}
AppPublisher=Mechanic Desktop
DefaultDirName={localappdata}\Programs\Mechanic Desktop
DefaultGroupName=Mechanic Desktop
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=MechanicDesktop-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\mechanic-desktop.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; The shop's data (database, settings, backups) lives outside {app} and survives an
; uninstall or an upgrade.

[Files]
Source: "..\..\dist\MechanicDesktop\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\Mechanic Desktop"; Filename: "{app}\mechanic-desktop.exe"
Name: "{group}\Uninstall Mechanic Desktop"; Filename: "{uninstallexe}"
Name: "{userdesktop}\Mechanic Desktop"; Filename: "{app}\mechanic-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\mechanic-desktop.exe"; Description: "Start Mechanic Desktop"; Flags: nowait postinstall skipifsilent
