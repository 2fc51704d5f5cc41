Attribute VB_Name = "Facturier"
' Facturier: one Sub per button of the workbook, each a single RunPython line.
' Import this module into the workbook (Developer > Visual Basic > File > Import File)
' with the xlwings add-in installed; the xlwings.conf sheet says which Python runs it and
' which module holds the worksheet functions. The Python side is pyfuncs/buttons.py.

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
