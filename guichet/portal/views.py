from django.http import HttpRequest, HttpResponse


def dossier_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return HttpResponse(reference)
