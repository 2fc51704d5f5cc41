Attribute VB_Name = "Facturier"
' Facturier : one Sub per button of the workbook, each a single RunPython line.
' `facturier init` and `facturier excel-setup` put this module into the workbook's VBA
' project with xlwings' standalone module (RunPython); the xlwings.conf sheet says which
' Python runs it and which module holds the worksheet functions. The Python side is
' pyfuncs/buttons.py. The file is UTF-8; the project stores it in Windows-1252, its
' declared code page, so accented text is written as it reads.

Sub GenererFactures()
    RunPython "import pyfuncs.buttons as b; b.generer_factures()"
End Sub

Sub Controler()
    RunPython "import pyfuncs.buttons as b; b.controler()"
End Sub

Sub ActualiserBalance()
    RunPython "import pyfuncs.buttons as b; b.actualiser_balance()"
End Sub

Sub PreparerRelances()
    RunPython "import pyfuncs.buttons as b; b.preparer_relances()"
End Sub

Sub EnvoyerRelances()
    RunPython "import pyfuncs.buttons as b; b.envoyer_relances()"
End Sub

Sub EnvoyerFactures()
    RunPython "import pyfuncs.buttons as b; b.envoyer_factures()"
End Sub

Sub ImporterReleve()
    ' Excel's own file dialog (Windows and Mac), several statements at once; Cancel runs
    ' nothing. Each path reaches Python as its UTF-16 code units (numbers only), so no
    ' quote, accent, % (cmd.exe) or | (the Mac bridge) in a path can break the RunPython
    ' line: pyfuncs/buttons.py, importer_releve, decodes them.
    Dim chosen As Variant, i As Long, arg As String, title As String
    title = "Importer un relevé bancaire"
    #If Mac Then
        chosen = Application.GetOpenFilename(, , title, , True)
    #Else
        chosen = Application.GetOpenFilename( _
            "Relevés bancaires (*.xml;*.ofx;*.qfx;*.sta;*.940;*.csv;*.txt)," & _
            "*.xml;*.ofx;*.qfx;*.sta;*.940;*.csv;*.txt,Tous les fichiers (*.*),*.*", _
            1, title, , True)
    #End If
    If Not IsArray(chosen) Then Exit Sub
    arg = "["
    For i = LBound(chosen) To UBound(chosen)
        If i > LBound(chosen) Then arg = arg & ","
        arg = arg & CodeUnits(CStr(chosen(i)))
    Next i
    arg = arg & "]"
    If Len(arg) > 6000 Then ' the Windows command line holds 8191 characters in all
        MsgBox "Trop de fichiers à la fois : choisissez-en moins.", _
            vbExclamation, "Facturier"
        Exit Sub
    End If
    RunPython "import pyfuncs.buttons as b; b.importer_releve(" & arg & ")"
End Sub

Private Function CodeUnits(text As String) As String
    Dim k As Long, c As Long, out As String
    out = "["
    For k = 1 To Len(text)
        c = AscW(Mid$(text, k, 1))
        If c < 0 Then c = c + 65536 ' AscW is signed above &H7FFF
        If k > 1 Then out = out & ","
        out = out & CStr(c)
    Next k
    CodeUnits = out & "]"
End Function

Sub TransmettrePlateforme()
    RunPython "import pyfuncs.buttons as b; b.transmettre_plateforme()"
End Sub

Sub MettreAJourStatuts()
    RunPython "import pyfuncs.buttons as b; b.mettre_a_jour_statuts()"
End Sub
